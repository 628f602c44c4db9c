package audit

import (
	"slices"
	"strings"
)

// Registries Spin pulls from (spin-rules.md §5): the NERSC registry under
// both of its names (registry.nersc.gov from August 2020) and Docker Hub.
var (
	nerscRegistries = []string{"registry.nersc.gov", "registry.spin.nersc.gov"}
	dockerHubHosts  = []string{"docker.io", "index.docker.io", "registry-1.docker.io"}
	allowedSources  = "registry.nersc.gov, registry.spin.nersc.gov or Docker Hub " +
		"(official images preferred)"
)

// imageRef is an image reference split into its parts.
type imageRef struct {
	raw      string
	registry string // lower-case host, "" for Docker Hub without a host
	repo     string // path inside the registry
	tag      string
	digest   string
}

// parseImage reads an imageUuid ("docker:nginx:1.19") or a plain reference.
func parseImage(uuid string) imageRef {
	raw := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(uuid), "docker:"))
	r := imageRef{raw: raw}
	rest, digest, _ := strings.Cut(raw, "@")
	r.digest = digest
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		rest, r.tag = rest[:i], rest[i+1:]
	}
	first, path, ok := strings.Cut(rest, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.registry, rest = strings.ToLower(first), path
	}
	r.repo = rest
	return r
}

// name is the reference without tag and digest, as Cattle kinds test it.
func (r imageRef) name() string {
	if r.registry == "" {
		return r.repo
	}
	return r.registry + "/" + r.repo
}

func (r imageRef) dockerHub() bool {
	return r.registry == "" || slices.Contains(dockerHubHosts, r.registry)
}

// checkImage: images come from an allowed registry, are never built, and
// preferably are official or pinned (spin-rules.md §4, §5).
func (c *checker) checkImage(l launch, kind string) {
	if b, ok := l.lc["build"]; ok && b != nil {
		c.add(ruleBuild, l.t, "build", "Spin cannot build images; allowed: image: from %s; "+
			"build and push the image first", allowedSources)
	}
	ref := parseImage(str(l.lc, "imageUuid"))
	switch {
	case ref.raw == "":
		c.add(ruleImageRegistry, l.t, "image", "no image is given; allowed: an image from %s",
			allowedSources)
		return
	case !ref.dockerHub() && !slices.Contains(nerscRegistries, ref.registry):
		c.add(ruleImageRegistry, l.t, "image", "%q comes from %s; allowed: %s", ref.raw,
			ref.registry, allowedSources)
		return
	}
	if c.checkLoadBalancer(l, ref, kind) {
		return
	}
	if ref.dockerHub() {
		c.checkOfficial(l, ref)
	}
	if ref.digest == "" && (ref.tag == "" || ref.tag == "latest") &&
		labelsOf(l.lc)[labelPullImage] != "always" {
		c.add(ruleImageLatest, l.t, "image", "%q runs :latest (or no tag) without the label "+
			"%s: always, so a restart may reuse a stale cached image; allowed: a version "+
			"tag, or the label", ref.raw, labelPullImage)
	}
}

func (c *checker) checkOfficial(l launch, ref imageRef) {
	name := ref.repo
	if ns, short, namespaced := strings.Cut(ref.repo, "/"); namespaced {
		if ns != "library" {
			c.add(ruleImageOfficial, l.t, "image", "%q is a Docker Hub user image; allowed, "+
				"but Spin prefers an official image or registry.nersc.gov/<project>/<image>",
				ref.raw)
			return
		}
		name = short
	}
	if !officialImages[name] {
		c.add(ruleImageOfficial, l.t, "image", "%q is not an official Docker Hub image "+
			"known to spinlocal (a local build cannot be pulled on Spin); allowed: an "+
			"image from %s", ref.raw, allowedSources)
	}
}
