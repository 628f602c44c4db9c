package proxy

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// File names of the CA in its directory.
const (
	caCertFile = "ca.pem"
	caKeyFile  = "ca-key.pem"
)

// leafLifetime is how long a host certificate is valid; leafRenew is how long before its
// end a new one is made.
const (
	leafLifetime = 90 * 24 * time.Hour
	leafRenew    = 7 * 24 * time.Hour
)

// CA is the local certificate authority that signs the proxy's host certificates. Its key
// never leaves the state directory; users trust its certificate once.
type CA struct {
	dir  string
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
}

// LoadCA reads the CA in dir, making it on first use.
func LoadCA(dir string) (*CA, error) {
	ca := &CA{dir: dir, leaves: map[string]*tls.Certificate{}}
	certPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if errors.Is(err, fs.ErrNotExist) {
		return ca, ca.create()
	}
	if err != nil {
		return nil, fmt.Errorf("read proxy CA: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, fmt.Errorf("read proxy CA key: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("proxy CA in %s is damaged (remove %s and %s to make a new "+
			"one, then trust it again): %w", dir, caCertFile, caKeyFile, err)
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("proxy CA key in %s cannot sign", dir)
	}
	ca.cert, ca.key, ca.pem = pair.Leaf, signer, certPEM
	return ca, nil
}

// create makes a new CA and writes it, the key readable by its owner only.
func (ca *CA) create() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("proxy CA key: %w", err)
	}
	host, _ := os.Hostname()
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial(),
		Subject: pkix.Name{Organization: []string{"spinlocal"},
			CommonName: "spinlocal local CA (" + host + ")"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("proxy CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("proxy CA key: %w", err)
	}
	if err := os.MkdirAll(ca.dir, 0o700); err != nil {
		return fmt.Errorf("proxy CA directory: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := writeNew(filepath.Join(ca.dir, caKeyFile), keyPEM, 0o600); err != nil {
		return err
	}
	ca.pem = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writeNew(filepath.Join(ca.dir, caCertFile), ca.pem, 0o644); err != nil {
		return err
	}
	ca.cert, err = x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("proxy CA certificate: %w", err)
	}
	ca.key = key
	return nil
}

// writeNew writes a file through a temporary one, so a crash leaves no half file.
func writeNew(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// CertPath is the file users add to their trust store.
func (ca *CA) CertPath() string { return filepath.Join(ca.dir, caCertFile) }

// CertPEM is the CA certificate in PEM form.
func (ca *CA) CertPEM() []byte { return ca.pem }

// Leaf returns a certificate for host signed by the CA, made on first use and again
// shortly before it ends.
func (ca *CA) Leaf(host string) (*tls.Certificate, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leaves[host]; ok && time.Until(c.Leaf.NotAfter) > leafRenew {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("key for %s: %w", host, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial(),
		Subject:   pkix.Name{Organization: []string{"spinlocal"}, CommonName: host},
		DNSNames:  []string{host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(leafLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("certificate for %s: %w", host, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificate for %s: %w", host, err)
	}
	c := &tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key,
		Leaf: leaf}
	ca.leaves[host] = c
	return c, nil
}

// serial is a random 128-bit certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return n
}
