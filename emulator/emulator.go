package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spinlocal/spinlocal/emulator/engine"
	"github.com/spinlocal/spinlocal/emulator/store"
	"github.com/spinlocal/spinlocal/mounts"
	"github.com/spinlocal/spinlocal/secrets"
)

// Config tells an Emulator where its state lives and how to run containers.
type Config struct {
	StateDir string
	Engine   engine.Engine
	Logger   *slog.Logger
	// NetworkPrefix names the per-environment Docker networks: <prefix>-<environment>.
	NetworkPrefix string
	// BindHost is the address published ports bind to; loopback by default.
	BindHost string
	// ResyncInterval is how often the reconciler runs without being asked.
	ResyncInterval time.Duration
	// Policy holds audit levels, users and collaboration accounts.
	Policy Policy
	// GlobalRoot is the local tree that bind mounts from /global map to; empty means
	// <StateDir>/global.
	GlobalRoot string
}

// Emulator is the model of one Cattle installation. Its methods are safe for concurrent use.
type Emulator struct {
	cfg      Config
	store    *store.Store
	eng      engine.Engine
	log      *slog.Logger
	daemonID string
	admin    string
	keyring  *secrets.Keyring

	mu         sync.Mutex
	projects   map[string]*Project
	hosts      map[string]*Host
	stacks     map[string]*Stack
	services   map[string]*Service
	containers map[string]*Container
	keys       map[string]*APIKey
	networks   map[string]engine.Network
	pulls      map[string]*PullTask
	secrets    map[string]*Secret
	volumes    map[string]*Volume
	vtemplates map[string]*VolumeTemplate // the stacks' top-level compose volumes
	proxy      map[string]*ProxyRoute     // reverse proxy entries by host name
	svcLogs    map[string]*ServiceLog     // the service event log
	svcLog     map[string]loggedState     // what the event log last saw of each service
	lookups    map[string]lookup          // external services' hostnames, resolved
	netMu      sync.Mutex

	// hostsMu serialises writes of hosts files; hostsWritten holds what was last written
	// to each container's, so a file is rewritten only when its names change.
	hostsMu      sync.Mutex
	hostsWritten map[string]string

	// gwMu guards Docker's host-gateway address, once known, and how public names reach
	// published ports (publicroute.go), decided once per run.
	gwMu    sync.Mutex
	gateway string
	route   *publicRoute

	kick chan struct{}
	subs subscribers

	execRun execRun // tags the commands this run execs (exec.go)
}

// Buckets of the state database.
const (
	bucketMeta       = "meta"
	bucketStacks     = "stacks"
	bucketServices   = "services"
	bucketContainers = "containers"
	bucketKeys       = "keys"
	bucketProjects   = "projects"
	bucketHosts      = "hosts"
	bucketSecrets    = "secrets"
	bucketVolumes    = "volumes"
	bucketTemplates  = "volumetemplates"
)

// Open loads (or initialises) the state in cfg.StateDir.
func Open(cfg Config) (*Emulator, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NetworkPrefix == "" {
		cfg.NetworkPrefix = "spinlocal"
	}
	if cfg.BindHost == "" {
		cfg.BindHost = "127.0.0.1"
	}
	if cfg.ResyncInterval <= 0 {
		cfg.ResyncInterval = 10 * time.Second
	}
	if cfg.GlobalRoot == "" {
		cfg.GlobalRoot = mounts.DefaultRoot(cfg.StateDir)
	}
	st, err := store.Open(filepath.Join(cfg.StateDir, "state.db"))
	if err != nil {
		return nil, err
	}
	e := &Emulator{cfg: cfg, store: st, eng: cfg.Engine, log: cfg.Logger,
		projects: map[string]*Project{}, hosts: map[string]*Host{},
		stacks: map[string]*Stack{}, services: map[string]*Service{},
		containers: map[string]*Container{}, keys: map[string]*APIKey{},
		secrets: map[string]*Secret{}, networks: map[string]engine.Network{},
		volumes: map[string]*Volume{}, vtemplates: map[string]*VolumeTemplate{},
		proxy: map[string]*ProxyRoute{}, svcLogs: map[string]*ServiceLog{},
		svcLog: map[string]loggedState{}, lookups: map[string]lookup{},
		hostsWritten: map[string]string{}, kick: make(chan struct{}, 1)}
	if err := e.load(); err != nil {
		st.Close()
		return nil, err
	}
	if e.admin, err = adminToken(cfg.StateDir); err != nil {
		st.Close()
		return nil, err
	}
	if e.keyring, err = secrets.Open(cfg.StateDir); err != nil {
		st.Close()
		return nil, err
	}
	return e, nil
}

// Close releases the state database.
func (e *Emulator) Close() error { return e.store.Close() }

// DaemonID identifies this state directory's daemon on Docker objects.
func (e *Emulator) DaemonID() string { return e.daemonID }

// load reads every record, seeding environments and the host on first use.
func (e *Emulator) load() error {
	found, err := e.store.Get(bucketMeta, "daemonId", &e.daemonID)
	if err != nil {
		return err
	}
	if !found {
		e.daemonID = randomHex(6)
		if err := e.store.Put(bucketMeta, "daemonId", e.daemonID); err != nil {
			return fmt.Errorf("save daemon id: %w", err)
		}
	}
	if err := loadBucket(e.store, bucketProjects, e.projects); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketHosts, e.hosts); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketStacks, e.stacks); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketServices, e.services); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketContainers, e.containers); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketKeys, e.keys); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketSecrets, e.secrets); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketVolumes, e.volumes); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketTemplates, e.vtemplates); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketProxy, e.proxy); err != nil {
		return err
	}
	if err := loadBucket(e.store, bucketServiceLog, e.svcLogs); err != nil {
		return err
	}
	for id, svc := range e.services {
		e.svcLog[id] = loggedState{state: svc.State}
	}
	return e.seed()
}

func loadBucket[T any](s *store.Store, bucket string, into map[string]*T) error {
	return s.Each(bucket, func(key string, raw []byte) error {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("state record %s/%s is corrupt: %w", bucket, key, err)
		}
		into[key] = v
		return nil
	})
}

// seed creates Spin's three environments and the laptop host when they are missing.
func (e *Emulator) seed() error {
	return e.store.Update(func(tx *store.Tx) error {
		for _, env := range spinEnvironments {
			if _, ok := e.projects[env.id]; ok {
				continue
			}
			p := &Project{Meta: Meta{ID: env.id, Type: KindProject, Name: env.name,
				State: "active", Transitioning: "no", UUID: newUUID(), Created: env.created},
				Orchestration: "cattle"}
			e.projects[p.ID] = p
			if err := tx.Put(bucketProjects, p.ID, p); err != nil {
				return err
			}
		}
		if _, ok := e.hosts[HostID]; ok {
			return nil
		}
		name, err := os.Hostname()
		if err != nil || name == "" {
			name = "localhost"
		}
		h := &Host{Meta: Meta{ID: HostID, Type: KindHost, Name: name, State: "active",
			Transitioning: "no", UUID: newUUID(), Created: time.Now().UTC()}, Hostname: name}
		e.hosts[h.ID] = h
		return tx.Put(bucketHosts, h.ID, h)
	})
}

// HostID is the id of the one host that stands for the laptop.
const HostID = "1h1"

// DefaultProjectID is dev-cattle, the environment used when none is chosen.
const DefaultProjectID = "1a5"

type spinEnv struct {
	id, name string
	created  time.Time
}

// spinEnvironments are Spin's Cattle environments with the ids and creation dates users saw.
var spinEnvironments = []spinEnv{
	{"1a736936", "prod-cattle", time.Date(2017, 2, 27, 23, 59, 40, 0, time.UTC)},
	{"1a5", "dev-cattle", time.Date(2016, 10, 11, 1, 2, 27, 0, time.UTC)},
	{"1a1221788", "sandbox", time.Date(2018, 3, 12, 21, 25, 22, 0, time.UTC)},
}

// put persists records in one transaction. Callers hold e.mu.
func (e *Emulator) put(records ...any) error {
	err := e.store.Update(func(tx *store.Tx) error {
		for _, r := range records {
			var err error
			switch v := r.(type) {
			case *Stack:
				err = tx.Put(bucketStacks, v.ID, v)
			case *Service:
				err = tx.Put(bucketServices, v.ID, v)
			case *Container:
				err = tx.Put(bucketContainers, v.ID, v)
			case *APIKey:
				err = tx.Put(bucketKeys, v.AccessKey, v)
			case *Project:
				err = tx.Put(bucketProjects, v.ID, v)
			case *Host:
				err = tx.Put(bucketHosts, v.ID, v)
			case *Secret:
				err = tx.Put(bucketSecrets, v.ID, v)
			case *Volume:
				err = tx.Put(bucketVolumes, v.ID, v)
			case *VolumeTemplate:
				err = tx.Put(bucketTemplates, v.ID, v)
			default:
				err = fmt.Errorf("cannot persist %T", r)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	for _, r := range records {
		if svc, ok := r.(*Service); ok {
			e.noteService(svc)
		}
		e.subs.publish(r)
	}
	return nil
}

// nextID allocates an id with the given prefix.
func (e *Emulator) nextID(prefix string) (string, error) {
	n, err := e.store.NextID(prefix)
	if err != nil {
		return "", fmt.Errorf("allocate id: %w", err)
	}
	return formatID(prefix, n), nil
}

// Kick asks the reconciler to run soon.
func (e *Emulator) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// adminToken returns the token that lets local tools mint API keys, creating the file
// (mode 0600) in the state directory on first use.
func adminToken(dir string) (string, error) {
	path := AdminTokenPath(dir)
	raw, err := os.ReadFile(path)
	if err == nil && len(raw) > 0 {
		return string(raw), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read admin token: %w", err)
	}
	tok := randomHex(24)
	if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
		return "", fmt.Errorf("write admin token: %w", err)
	}
	return tok, nil
}

// AdminTokenPath is where the daemon keeps the key-minting token.
func AdminTokenPath(stateDir string) string { return filepath.Join(stateDir, "admin.token") }

// CheckAdmin reports whether tok is this daemon's admin token.
func (e *Emulator) CheckAdmin(tok string) bool { return constantEqual(tok, e.admin) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Run reconciles until ctx ends.
func (e *Emulator) Run(ctx context.Context) {
	go e.runHealth(ctx)
	go e.endStaleExecs(ctx)
	e.runReconciler(ctx)
}
