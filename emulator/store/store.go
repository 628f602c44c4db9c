package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// countersBucket holds one uint64 per id prefix.
const countersBucket = "counters"

// ErrLocked is returned by Open when another process holds the database.
var ErrLocked = errors.New("state database is in use by another spinlocal daemon")

// Store is a handle on the state database. It is safe for concurrent use.
type Store struct {
	db *bolt.DB
}

// Open opens (creating if needed) the database file at path. It fails with ErrLocked after
// a short wait when another daemon already has the file open.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open state database %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close releases the database file.
func (s *Store) Close() error { return s.db.Close() }

// Tx is one atomic batch of writes.
type Tx struct{ tx *bolt.Tx }

// Update runs fn in a single read-write transaction: either every write in fn lands or none.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Put stores v as JSON under key in bucket.
func (t *Tx) Put(bucket, key string, v any) error {
	b, err := t.tx.CreateBucketIfNotExists([]byte(bucket))
	if err != nil {
		return fmt.Errorf("bucket %s: %w", bucket, err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return b.Put([]byte(key), raw)
}

// Delete removes key from bucket; a missing key is not an error.
func (t *Tx) Delete(bucket, key string) error {
	b := t.tx.Bucket([]byte(bucket))
	if b == nil {
		return nil
	}
	return b.Delete([]byte(key))
}

// NextID increments and returns the counter for prefix, starting at 1.
func (t *Tx) NextID(prefix string) (uint64, error) {
	b, err := t.tx.CreateBucketIfNotExists([]byte(countersBucket))
	if err != nil {
		return 0, fmt.Errorf("counters bucket: %w", err)
	}
	n := uint64(0)
	if raw := b.Get([]byte(prefix)); raw != nil {
		n, err = strconv.ParseUint(string(raw), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("counter %s is corrupt: %w", prefix, err)
		}
	}
	n++
	return n, b.Put([]byte(prefix), []byte(strconv.FormatUint(n, 10)))
}

// NextID allocates one id number for prefix in its own transaction.
func (s *Store) NextID(prefix string) (uint64, error) {
	var n uint64
	err := s.Update(func(tx *Tx) error {
		var err error
		n, err = tx.NextID(prefix)
		return err
	})
	return n, err
}

// Put stores one record in its own transaction.
func (s *Store) Put(bucket, key string, v any) error {
	return s.Update(func(tx *Tx) error { return tx.Put(bucket, key, v) })
}

// Get decodes the record under key into v and reports whether it existed.
func (s *Store) Get(bucket, key string, v any) (bool, error) {
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		raw := b.Get([]byte(key))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, v)
	})
	if err != nil {
		return false, fmt.Errorf("read %s/%s: %w", bucket, key, err)
	}
	return found, nil
}

// Each calls fn with every record of bucket, in key order.
func (s *Store) Each(bucket string, fn func(key string, raw []byte) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
	})
}
