package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/spinlocal/spinlocal/emulator/compose"
	"github.com/spinlocal/spinlocal/fakeapi/client"
	"github.com/spinlocal/spinlocal/proxy"
)

// watcher keeps a stack deployed by `up` in step with its files. It watches folders and
// matches file names, so a save that replaces a file (a temporary file renamed over it)
// counts like a plain write, and a folder that vanishes is watched again once it is back.
type watcher struct {
	cl   *client.Client
	load compose.Options
	out  io.Writer
	// sources restarts a service when files change in a project folder it bind-mounts.
	sources bool
	// quiet is the debounce delay (zero: watchQuiet); recheck is how often vanished
	// folders are looked for (zero: watchRecheck).
	quiet, recheck time.Duration
	reload         client.ReloadOptions
	// log gets a debug record per file event; nil discards them.
	log *slog.Logger
	// proxy is the stack's proxy file; nil for none. proxyRetry says the daemon refused
	// the file last time (an entry naming a service not there yet), so the next change of
	// the stack applies it again.
	proxy      *proxyPlan
	proxyRetry bool
	// scales is each service's scale in the files as last applied: a save that edits a
	// scale scales the service (see client.ReloadOptions.Scales).
	scales map[string]int
	// warned holds the audit warnings printed so far, each printed once.
	warned map[string]bool

	fw      *fsnotify.Watcher
	project *compose.Project  // the last project that loaded
	files   watchFiles        // what project asks to watch
	watched map[string]bool   // folders with a watch
	gone    map[string]bool   // folders that vanished, looked for on every recheck
	changed map[string]bool   // project files changed since the last reload
	touched map[string]string // service -> a changed source file, since the last restart
}

// run watches until ctx ends. It fails only when it cannot start.
func (w *watcher) run(ctx context.Context) error {
	p, err := compose.Load(ctx, w.load)
	if err != nil {
		return fmt.Errorf("load the project: %w", err)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch files: %w", err)
	}
	defer fw.Close()
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.fw, w.project, w.files = fw, p, filesOf(p, w.load)
	w.scales = client.FileScales(p)
	if w.warned, err = w.cl.AuditWarnings(ctx, p); err != nil {
		w.warned = map[string]bool{} // up printed them; at worst they are printed again
	}
	w.watched, w.gone = map[string]bool{}, map[string]bool{}
	w.changed, w.touched = map[string]bool{}, map[string]string{}
	w.sync()
	watching := len(p.Files) + len(w.files.secrets)
	if w.proxy != nil {
		watching++
	}
	fmt.Fprintf(w.out, "reload: watching %d files of stack %s; a save upgrades the services "+
		"it changes\n", watching, p.Name)

	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	tick := time.NewTicker(durationOr(w.recheck, watchRecheck))
	defer tick.Stop()
	for {
		pending := false
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			pending = w.note(ev)
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			// Events may have been dropped: reload to be sure.
			fmt.Fprintf(w.out, "reload: watching files: %v\n", err)
			w.changed[""], pending = true, true
		case <-tick.C:
			pending = w.recheckFolders()
		case <-debounce.C:
			w.act(ctx)
		}
		if pending {
			debounce.Reset(durationOr(w.quiet, watchQuiet))
		}
	}
}

// note records one file event and reports whether it calls for an action.
func (w *watcher) note(ev fsnotify.Event) bool {
	w.log.Debug("file event", "path", ev.Name, "op", ev.Op.String())
	path := filepath.Clean(ev.Name)
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if w.watched[path] && ev.Has(fsnotify.Remove|fsnotify.Rename) && w.vanished(path) {
		return false
	}
	if _, secret := w.files.secrets[path]; secret || w.files.configs[path] ||
		(w.proxy != nil && path == w.proxy.path) {
		w.changed[path] = true
		return true
	}
	if !w.sources || skipName(filepath.Base(path)) {
		return false
	}
	if ev.Has(fsnotify.Create) {
		w.watchTree(path)
	}
	hit := false
	for root, services := range w.files.sources {
		if watchWithin(root, path) {
			for _, s := range services {
				w.touched[s] = path
			}
			hit = true
		}
	}
	return hit
}

// act reloads the stack when its files changed, then restarts the services whose sources
// changed and that the reload did not already replace.
func (w *watcher) act(ctx context.Context) {
	changed, touched := w.changed, w.touched
	w.changed, w.touched = map[string]bool{}, map[string]string{}
	replaced := map[string]bool{}
	if len(changed) > 0 {
		replaced = w.reloadFiles(ctx, changed)
	}
	for _, svc := range watchSorted(touched) {
		if replaced[svc] || ctx.Err() != nil {
			continue
		}
		err := w.cl.RestartService(ctx, w.project.Name, svc, w.reload)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(w.out, "reload: %s not restarted: %v\n", svc, err)
			}
			continue
		}
		changed := touched[svc]
		if rel, err := filepath.Rel(w.project.Dir, changed); err == nil {
			changed = rel
		}
		fmt.Fprintf(w.out, "reload: %s restarted (%s changed)\n", svc, changed)
	}
}

// reloadFiles loads the project again and applies it, and returns the services that got
// new containers. Whatever goes wrong, the stack keeps running as it was.
func (w *watcher) reloadFiles(ctx context.Context, changed map[string]bool) map[string]bool {
	defer w.sync()
	proxyChanged := w.proxy != nil && changed[w.proxy.path]
	if proxyChanged || w.proxyRetry {
		delete(changed, w.proxy.path)
		// After the stack: an entry may name a service the same save adds.
		defer w.reloadProxy(ctx)
		if len(changed) == 0 {
			return nil
		}
	}
	onlySecrets := true
	for _, f := range watchSorted(changed) {
		name, ok := w.files.secrets[f]
		if !ok {
			onlySecrets = false
			continue
		}
		fmt.Fprintf(w.out, "reload: secret %s: %s changed, but a secret cannot change once "+
			"created; the stack keeps the old value (give the secret a new name to use the "+
			"new one)\n", name, watchShort(f))
	}
	if onlySecrets {
		return nil
	}
	for _, f := range w.files.defining {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(w.out, "reload: %s was deleted; the stack keeps running as it was "+
				"until the file is back\n", watchShort(f))
			return nil
		}
	}
	p, err := compose.Load(ctx, w.load)
	if err != nil {
		fmt.Fprintf(w.out, "reload: %s; the stack keeps running\n", loadMessage(err))
		return nil
	}
	if p.Name != w.project.Name {
		fmt.Fprintf(w.out, "reload: the stack name changed from %s to %s; the stack keeps "+
			"running (start spinlocal up again to deploy %s)\n", w.project.Name, p.Name, p.Name)
		return nil
	}
	w.project, w.files = p, filesOf(p, w.load)
	opts := w.reload
	opts.Scales, opts.Warned = w.scales, w.warned
	changes, err := w.cl.Reload(ctx, p, opts, w.out)
	if err != nil && ctx.Err() == nil {
		printFailure(w.out, refusalMessage(p, err))
	}
	// A service the reload did not get to keeps its old scale as the one last applied,
	// so the next save scales it.
	fileScales := client.FileScales(p)
	replaced := map[string]bool{}
	for _, ch := range changes {
		if ch.Kind == client.Removed {
			delete(w.scales, ch.Service)
		} else {
			w.scales[ch.Service] = fileScales[ch.Service]
		}
		if ch.Kind == client.Upgraded || ch.Kind == client.Created {
			replaced[ch.Service] = true
		}
	}
	return replaced
}

// printFailure prints why a reload stopped, one line per reason, the last one saying
// that the stack runs on.
func printFailure(out io.Writer, msg string) {
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		if i == len(lines)-1 {
			line += "; the stack keeps running"
		}
		fmt.Fprintf(out, "reload: %s\n", line)
	}
}

// sync makes the watched folders those the files ask for: the folders of the project's
// files and, with sources, each bind-mounted folder and the folders below it.
func (w *watcher) sync() {
	want := map[string]bool{}
	for f := range w.files.configs {
		want[filepath.Dir(f)] = true
	}
	for f := range w.files.secrets {
		want[filepath.Dir(f)] = true
	}
	if w.proxy != nil {
		want[filepath.Dir(w.proxy.path)] = true
	}
	if w.sources {
		for root := range w.files.sources {
			for _, d := range folderTree(root) {
				want[d] = true
			}
		}
	}
	for d := range w.watched {
		if !want[d] {
			_ = w.fw.Remove(d)
			delete(w.watched, d)
		}
	}
	for d := range w.gone {
		if !want[d] {
			delete(w.gone, d)
		}
	}
	for d := range want {
		if !w.watched[d] && !w.gone[d] {
			w.watch(d)
		}
	}
}

// watch adds one folder; a folder that is not there is looked for again later.
func (w *watcher) watch(dir string) bool {
	if err := w.fw.Add(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			w.gone[dir] = true
		} else {
			fmt.Fprintf(w.out, "reload: cannot watch %s: %v\n", watchShort(dir), err)
		}
		return false
	}
	w.watched[dir] = true
	delete(w.gone, dir)
	return true
}

// watchTree watches a folder created under a bind-mounted folder, with its sub-folders.
func (w *watcher) watchTree(path string) {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return
	}
	for _, d := range folderTree(path) {
		if !w.watched[d] {
			w.watch(d)
		}
	}
}

// vanished handles a watched folder that was removed or renamed away. A folder the
// project needs is reported and looked for again; it reports whether it was one.
func (w *watcher) vanished(dir string) bool {
	_ = w.fw.Remove(dir)
	delete(w.watched, dir)
	if !w.needed(dir) {
		return false
	}
	w.gone[dir] = true
	fmt.Fprintf(w.out, "reload: folder %s vanished; the stack keeps running as it was until "+
		"the folder is back\n", watchShort(dir))
	return true
}

// needed reports whether a folder holds project files or is a bind-mounted folder.
func (w *watcher) needed(dir string) bool {
	if _, ok := w.files.sources[dir]; ok && w.sources {
		return true
	}
	for f := range w.files.configs {
		if filepath.Dir(f) == dir {
			return true
		}
	}
	for f := range w.files.secrets {
		if filepath.Dir(f) == dir {
			return true
		}
	}
	return false
}

// recheckFolders notices folders that vanished without an event (a parent renamed) and
// watches again those that are back; a folder that is back calls for a reload.
func (w *watcher) recheckFolders() bool {
	for d := range w.watched {
		if fi, err := os.Stat(d); (err != nil || !fi.IsDir()) && w.needed(d) {
			w.vanished(d)
		}
	}
	back := false
	for _, d := range watchSorted(w.gone) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && w.watch(d) {
			fmt.Fprintf(w.out, "reload: folder %s is back\n", watchShort(d))
			w.changed[d], back = true, true
		}
	}
	return back
}

// reloadProxy applies the proxy file again; a bad file leaves the entries as they were,
// and a deleted one clears them.
func (w *watcher) reloadProxy(ctx context.Context) {
	entries, err := proxy.ReadFile(w.proxy.path)
	if err != nil {
		fmt.Fprintf(w.out, "reload: %v; the proxy keeps its entries as they were\n", err)
		return
	}
	next := &proxyPlan{path: w.proxy.path, entries: entries}
	set, err := next.applyAfter(ctx, w.cl, w.project.Name, w.proxy)
	w.proxyRetry = err != nil
	if err != nil {
		if ctx.Err() == nil {
			fmt.Fprintf(w.out, "reload: %v; the proxy keeps its entries as they were "+
				"(tried again at the stack's next change)\n", err)
		}
		return
	}
	w.proxy = next
	if _, err := os.Stat(next.path); err != nil {
		fmt.Fprintf(w.out, "reload: %s was deleted; the stack's proxy entries are cleared\n",
			watchShort(next.path))
		return
	}
	fmt.Fprintf(w.out, "reload: %s applied, %d proxy entries\n", watchShort(next.path),
		len(set))
	printProxyURLs(ctx, w.cl, w.out, set)
}
