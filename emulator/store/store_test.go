package store

import (
	"errors"
	"path/filepath"
	"testing"
)

type rec struct {
	Name string `json:"name"`
}

func TestCountersSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= 3; want++ {
		got, err := s.NextID("s")
		if err != nil || got != want {
			t.Fatalf("NextID = %d, %v; want %d", got, err, want)
		}
	}
	if got, _ := s.NextID("st"); got != 1 {
		t.Fatalf("counters must be per prefix; st got %d", got)
	}
	if err := s.Put("stacks", "1st1", rec{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.NextID("s"); got != 4 {
		t.Fatalf("after reopen NextID = %d, want 4", got)
	}
	var r rec
	found, err := s.Get("stacks", "1st1", &r)
	if err != nil || !found || r.Name != "web" {
		t.Fatalf("Get = %+v, %v, %v", r, found, err)
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	boom := errors.New("boom")
	err = s.Update(func(tx *Tx) error {
		if err := tx.Put("services", "1s1", rec{Name: "a"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	n := 0
	_ = s.Each("services", func(string, []byte) error { n++; return nil })
	if n != 0 {
		t.Fatalf("a failed transaction left %d records", n)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open err = %v, want ErrLocked", err)
	}
}
