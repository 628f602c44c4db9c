package dockerproxy

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// bodyLimit bounds the answers the proxy reads whole to rewrite them (lists, info).
const bodyLimit = 64 << 20

// chunkedFraming announces a body sent in chunks.
var chunkedFraming = http.Header{"Transfer-Encoding": {"chunked"}}

// writeHead writes a status line and headers. Docker's framing headers are replaced by
// the ones given; the rest pass as Docker sent them.
func writeHead(w io.Writer, resp *http.Response, framing http.Header) error {
	h := resp.Header.Clone()
	if framing != nil {
		h.Del("Content-Length")
		h.Del("Transfer-Encoding")
		for k, v := range framing {
			h[k] = v
		}
	}
	if _, err := fmt.Fprintf(w, "HTTP/1.1 %s\r\n", resp.Status); err != nil {
		return fmt.Errorf("send status: %w", err)
	}
	if err := h.Write(w); err != nil {
		return fmt.Errorf("send headers: %w", err)
	}
	if _, err := io.WriteString(w, "\r\n"); err != nil {
		return fmt.Errorf("send headers: %w", err)
	}
	return nil
}

// writeRefusal answers a request the proxy does not let through, in Docker's error form.
func writeRefusal(w *bufio.Writer, r *refusal, closing bool) error {
	body, _ := json.Marshal(map[string]string{"message": r.message})
	body = append(body, '\n')
	resp := &http.Response{Status: strconv.Itoa(r.status) + " " + http.StatusText(r.status),
		Header: http.Header{"Content-Type": {"application/json"}}}
	framing := http.Header{"Content-Length": {strconv.Itoa(len(body))}}
	if closing {
		framing.Set("Connection", "close")
	}
	return writeWhole(w, resp, framing, body)
}

// writeWhole sends a head and a body known in full.
func writeWhole(w *bufio.Writer, resp *http.Response, framing http.Header, body []byte) error {
	if err := writeHead(w, resp, framing); err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("send body: %w", err)
	}
	return flush(w)
}

func flush(w *bufio.Writer) error {
	if err := w.Flush(); err != nil {
		return fmt.Errorf("send to the docker client: %w", err)
	}
	return nil
}

// chunked writes one chunk of a chunked body and sends it at once: streams such as
// logs -f must not wait in a buffer.
func chunked(w *bufio.Writer, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "%x\r\n", len(p)); err != nil {
		return fmt.Errorf("send chunk: %w", err)
	}
	_, _ = w.Write(p)
	_, _ = w.WriteString("\r\n")
	return flush(w)
}

// endChunks ends a chunked body.
func endChunks(w *bufio.Writer) error {
	if _, err := w.WriteString("0\r\n\r\n"); err != nil {
		return fmt.Errorf("end chunks: %w", err)
	}
	return flush(w)
}

// copyBody sends body as it arrives, each piece as a chunk or, when raw, as it is.
func copyBody(w *bufio.Writer, body io.Reader, raw bool) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if raw {
				_, _ = w.Write(buf[:n])
				if ferr := flush(w); ferr != nil {
					return ferr
				}
			} else if cerr := chunked(w, buf[:n]); cerr != nil {
				return cerr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read from Docker: %w", err)
		}
	}
}

// readWhole reads a body that the proxy rewrites.
func readWhole(body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, bodyLimit+1))
	if err != nil {
		return nil, fmt.Errorf("read from Docker: %w", err)
	}
	if len(b) > bodyLimit {
		return nil, fmt.Errorf("docker's answer is larger than %d bytes", bodyLimit)
	}
	return b, nil
}
