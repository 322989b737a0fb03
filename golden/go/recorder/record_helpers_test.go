//go:build recorder

package server

// Records the helpers of pkg/cri/server/helpers.go themselves (group "helpers").

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/containerd/containerd/pkg/cri/store/label"
	"github.com/containerd/containerd/reference/docker"
	imagedigest "github.com/opencontainers/go-digest"
	runtime "k8s.io/cri-api/pkg/apis/runtime/v1alpha2"

	criconfig "github.com/containerd/containerd/pkg/cri/config"
	containerstore "github.com/containerd/containerd/pkg/cri/store/container"
	imagestore "github.com/containerd/containerd/pkg/cri/store/image"
)

func TestRecordHelpers(t *testing.T) {
	r := newRecording("helpers")
	g := newGen(7)
	helpersConstants(r)
	helpersNames(r, g)
	helpersDirs(r, g)
	helpersStateStrings(r)
	helpersRepoDigestAndTag(r, g)
	helpersUser(r, g)
	helpersMounts(r, g)
	helpersFilterLabel(r, g)
	helpersBuildLabels(r, g)
	helpersAuth(r, g)
	helpersParseImageReferences(r, g)
	helpersUnknownStatuses(r)
	helpersPassthrough(r, g)
	helpersImageStore(t, r, g)
	helpersValidateTargetContainer(t, r, g)
	r.write(t)
}

func helpersConstants(r *recording) {
	r.ok("constants", nil, map[string]interface{}{
		"errorStartReason":           errorStartReason,
		"errorStartExitCode":         errorStartExitCode,
		"completeExitReason":         completeExitReason,
		"errorExitReason":            errorExitReason,
		"oomExitReason":              oomExitReason,
		"sandboxesDir":               sandboxesDir,
		"containersDir":              containersDir,
		"nameDelimiter":              nameDelimiter,
		"criContainerdPrefix":        criContainerdPrefix,
		"containerKindLabel":         containerKindLabel,
		"containerKindSandbox":       containerKindSandbox,
		"containerKindContainer":     containerKindContainer,
		"imageLabelKey":              imageLabelKey,
		"imageLabelValue":            imageLabelValue,
		"sandboxMetadataExtension":   sandboxMetadataExtension,
		"containerMetadataExtension": containerMetadataExtension,
		"defaultIfName":              defaultIfName,
		"runtimeRunhcsV1":            runtimeRunhcsV1,
		"unknownExitCode":            unknownExitCode,
		"unknownExitReason":          unknownExitReason,
	})
}

// helpersNamePart favours the delimiter, empty parts and non-ASCII, which is where names collide.
func (g *gen) helpersNamePart() string {
	switch g.intn(6) {
	case 0:
		return ""
	case 1:
		return g.stringFrom([]string{"_", "a", "b", "_"}, 4)
	case 2:
		return g.stringFrom(concat(lowerAlnum, unicodeSet, controlSet), 6)
	default:
		return g.stringFrom(concat(lowerAlnum, []string{"-", ".", "_"}), 12)
	}
}

func (g *gen) helpersAttempt() uint32 {
	return []uint32{0, 1, 2, 10, 4294967295, 2147483648, uint32(g.intn(100000))}[g.intn(7)]
}

func helpersNames(r *recording, g *gen) {
	type sandboxMeta struct {
		Name, Namespace, UID string
		Attempt              uint32
	}
	fixed := []sandboxMeta{
		{"", "", "", 0}, {"nginx", "default", "uid-1", 0}, {"a_b", "c", "d", 1}, {"a", "b_c", "d", 1},
		{"pod", "ns", "", 4294967295}, {"é", "中文", "😀", 7}, {"x\x00y", "\n", "\t", 3},
	}
	for i := 0; i < 160; i++ {
		fixed = append(fixed, sandboxMeta{g.helpersNamePart(), g.helpersNamePart(), g.helpersNamePart(), g.helpersAttempt()})
	}
	for i, m := range fixed {
		s := &runtime.PodSandboxMetadata{Name: m.Name, Namespace: m.Namespace, Uid: m.UID, Attempt: m.Attempt}
		in := map[string]interface{}{"name": gs(m.Name), "namespace": gs(m.Namespace), "uid": gs(m.UID), "attempt": m.Attempt}
		r.ok("makeSandboxName", in, gs(makeSandboxName(s)))
		cname, cattempt := "app", uint32(0)
		if i > 6 {
			cname, cattempt = g.helpersNamePart(), g.helpersAttempt()
		}
		c := &runtime.ContainerMetadata{Name: cname, Attempt: cattempt}
		r.ok("makeContainerName", map[string]interface{}{
			"container": map[string]interface{}{"name": gs(cname), "attempt": cattempt},
			"sandbox":   in,
		}, gs(makeContainerName(c, s)))
	}
}

func helpersDirs(r *recording, g *gen) {
	roots := []string{"/var/lib/containerd/io.containerd.grpc.v1.cri", "", "/", "relative/dir", "/a/../b/", "//x//y/.", "/tmp/state/"}
	ids := []string{"abc", "", "../escape", "a/b", "..", ".", "/abs", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	c := &criService{}
	for i := 0; i < 140; i++ {
		root, state := roots[g.intn(len(roots))], roots[g.intn(len(roots))]
		id := ids[g.intn(len(ids))]
		if i%3 == 0 {
			id = g.stringFrom(concat(lowerAlnum, []string{"/", ".", ".."}), 10)
		}
		c.config = criconfig.Config{RootDir: root, StateDir: state}
		in := map[string]interface{}{"rootDir": root, "stateDir": state, "id": id}
		r.ok("getSandboxRootDir", in, c.getSandboxRootDir(id))
		r.ok("getVolatileSandboxRootDir", in, c.getVolatileSandboxRootDir(id))
		r.ok("getContainerRootDir", in, c.getContainerRootDir(id))
		r.ok("getVolatileContainerRootDir", in, c.getVolatileContainerRootDir(id))
	}
}

func helpersStateStrings(r *recording) {
	for s := int32(-2); s <= 6; s++ {
		r.ok("criContainerStateToString", s, criContainerStateToString(runtime.ContainerState(s)))
	}
}

// helpersRefs is a mix of references that parse in each of the shapes (named, tagged, canonical,
// tagged+canonical) and ones that do not.
func (g *gen) helpersRef() string {
	d := "sha256:" + g.stringFrom(hexChars, 0)
	for len(d) < 71 {
		d += hexChars[g.intn(16)]
	}
	names := []string{"busybox", "library/busybox", "docker.io/library/busybox", "k8s.gcr.io/pause", "localhost:5000/a/b",
		"registry.k8s.io/pause", "quay.io/coreos/etcd", "gcr.io/x_y/z", "Uppercase/repo", "a", "127.0.0.1:5000/img"}
	n := names[g.intn(len(names))]
	switch g.intn(7) {
	case 0:
		return n
	case 1:
		return n + ":" + g.pick("latest", "3.6", "v1.2.3", "TAG_x", "-bad", "")
	case 2:
		return n + "@" + d
	case 3:
		return n + ":" + g.pick("1.0", "latest") + "@" + d
	case 4:
		return d
	case 5:
		return g.stringFrom(concat(lowerAlnum, refPunct, upperChars), 20)
	default:
		return g.stringFrom(hexChars, 64)
	}
}

func helpersRepoDigestAndTag(r *recording, g *gen) {
	for i := 0; i < 220; i++ {
		ref := g.helpersRef()
		digest := imagedigest.Digest("sha256:" + g.stringFrom(hexChars, 0))
		if i%2 == 0 {
			digest = imagedigest.FromString(ref)
		}
		schema1 := i%5 == 0
		parsers := map[string]func(string) (docker.Named, error){
			"parseDockerRef":       docker.ParseDockerRef,
			"parseNormalizedNamed": docker.ParseNormalizedNamed,
		}
		for _, name := range []string{"parseDockerRef", "parseNormalizedNamed"} {
			named, err := parsers[name](ref)
			if err != nil {
				continue
			}
			repoDigest, repoTag := getRepoDigestAndTag(named, digest, schema1)
			r.ok("getRepoDigestAndTag", map[string]interface{}{"ref": ref, "parser": name, "digest": digest.String(), "schema1": schema1},
				map[string]string{"repoDigest": repoDigest, "repoTag": repoTag})
		}
	}
}

func helpersUser(r *recording, g *gen) {
	fixed := []string{"", "0", "1000", "1000:1000", "root", "root:root", ":", ":0", "0:", "-1", "+5", "007",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"1_000", " 1", "1 ", "0x10", "nobody:nogroup", "١٢٣", "user:1:2", "99999999999999999999:1"}
	for i := 0; i < 180; i++ {
		fixed = append(fixed, g.stringFrom(concat(splitChars("0123456789:-+ _ab"), unicodeSet), 8))
	}
	for _, u := range fixed {
		uid, name := getUserFromImage(u)
		out := map[string]interface{}{"uid": nil, "name": gs(name)}
		if uid != nil {
			out["uid"] = i64(*uid)
		}
		r.ok("getUserFromImage", gs(u), out)
	}
}

func helpersMounts(r *recording, g *gen) {
	paths := []string{"/", "", ".", "/etc/hosts", "/etc/hosts/", "/etc//hosts", "/etc/./hosts", "etc/hosts", "/etc/../etc/hosts",
		"/dev/shm", "/dev/shm/..", "/var/run/secrets", "//", "/a/b/c/../../b"}
	for i := 0; i < 200; i++ {
		dst := paths[g.intn(len(paths))]
		if i%4 == 0 {
			dst = g.stringFrom([]string{"/", "a", "..", ".", "b"}, 6)
		}
		var mounts []*runtime.Mount
		var mountPaths []string
		for j := g.intn(4); j > 0; j-- {
			p := paths[g.intn(len(paths))]
			if g.intn(3) == 0 {
				p = g.stringFrom([]string{"/", "a", "..", ".", "b"}, 6)
			}
			mounts = append(mounts, &runtime.Mount{ContainerPath: p})
			mountPaths = append(mountPaths, p)
		}
		r.ok("isInCRIMounts", map[string]interface{}{"dst": dst, "containerPaths": mountPaths}, isInCRIMounts(dst, mounts))
	}
}

func helpersFilterLabel(r *recording, g *gen) {
	alphabet := concat(lowerAlnum, []string{"\"", "\\", "=", ".", "/", " ", "'", "`"}, controlSet, unicodeSet, invalidUTF8)
	fixed := [][2]string{{"", ""}, {"io.cri-containerd.kind", "sandbox"}, {"a\"b", "c\\d"}, {"k", "v\nw"}, {"\xff", "\x00"}}
	for i := 0; i < 220; i++ {
		fixed = append(fixed, [2]string{g.stringFrom(alphabet, 8), g.stringFrom(alphabet, 8)})
	}
	for _, kv := range fixed {
		r.ok("filterLabel", map[string]interface{}{"key": gs(kv[0]), "value": gs(kv[1])}, gs(filterLabel(kv[0], kv[1])))
	}
}

func (g *gen) helpersLabelMap(keys []string) map[string]string {
	if g.intn(5) == 0 {
		return nil
	}
	m := map[string]string{}
	for n := g.intn(5); n > 0; n-- {
		m[keys[g.intn(len(keys))]] = g.pick("", "a", "b", "sandbox", "container", "é")
	}
	return m
}

func helpersBuildLabels(r *recording, g *gen) {
	keys := []string{"a", "b", "c", containerKindLabel, "io.kubernetes.pod.name", ""}
	for i := 0; i < 200; i++ {
		config, image := g.helpersLabelMap(keys), g.helpersLabelMap(keys)
		kind := g.pick(containerKindSandbox, containerKindContainer, "", "other")
		r.ok("buildLabels", map[string]interface{}{"configLabels": config, "imageConfigLabels": image, "containerType": kind},
			buildLabels(config, image, kind))
	}
}

func helpersAuth(r *recording, g *gen) {
	for i := 0; i < 20; i++ {
		a := criconfig.AuthConfig{Username: g.pick("", "user", "é"), Password: g.pick("", "pw"), Auth: g.pick("", "dXNlcjpwdw=="), IdentityToken: g.pick("", "tok")}
		out := toRuntimeAuthConfig(a)
		r.ok("toRuntimeAuthConfig",
			map[string]string{"username": a.Username, "password": a.Password, "auth": a.Auth, "identitytoken": a.IdentityToken},
			map[string]string{"username": out.Username, "password": out.Password, "auth": out.Auth, "identityToken": out.IdentityToken, "serverAddress": out.ServerAddress, "registryToken": out.RegistryToken})
	}
}

func helpersParseImageReferences(r *recording, g *gen) {
	for i := 0; i < 220; i++ {
		var refs []string
		for n := g.intn(5); n > 0; n-- {
			refs = append(refs, g.helpersRef())
		}
		tags, digests := parseImageReferences(refs)
		r.ok("parseImageReferences", refs, map[string]interface{}{"tags": tags, "digests": digests})
	}
}

func helpersUnknownStatuses(r *recording) {
	cs := unknownContainerStatus()
	r.ok("unknownContainerStatus", nil, map[string]interface{}{
		"createdAt": i64(cs.CreatedAt), "startedAt": i64(cs.StartedAt), "finishedAt": i64(cs.FinishedAt),
		"exitCode": cs.ExitCode, "reason": cs.Reason, "message": cs.Message, "unknown": cs.Unknown, "removing": cs.Removing,
		"state": cs.State().String(),
	})
	ss := unknownSandboxStatus()
	r.ok("unknownSandboxStatus", nil, map[string]interface{}{"state": ss.State.String(), "pid": ss.Pid, "createdAt": i64(ss.CreatedAt.UnixNano()), "createdAtIsZero": ss.CreatedAt.IsZero()})
}

func helpersPassthrough(r *recording, g *gen) {
	keys := []string{"a", "b", "io.kubernetes.cri.x", "io.katacontainers.config", "io.kubernetes.cri.*", "[", "a/b", "a\\b", "é", "", "*"}
	patterns := []string{"*", "a", "io.kubernetes.*", "io.kata*", "io.katacontainers.*", "[", "[a-c]", "?", "a/*", "*/b", "\\", "a\\*", "[^a]", "é", "", "[]a]", "io.*.config"}
	for i := 0; i < 260; i++ {
		pod := map[string]string{}
		for n := g.intn(5); n > 0; n-- {
			k := keys[g.intn(len(keys))]
			if g.intn(4) == 0 {
				k = g.stringFrom(concat(lowerAlnum, []string{".", "/", "*", "[", "]", "\\"}), 6)
			}
			pod[k] = g.pick("v", "", "x")
		}
		if g.intn(6) == 0 {
			pod = nil
		}
		var pats []string
		for n := g.intn(4); n > 0; n-- {
			p := patterns[g.intn(len(patterns))]
			if g.intn(4) == 0 {
				p = g.stringFrom(concat(lowerAlnum, []string{".", "/", "*", "?", "[", "]", "^", "-", "\\"}), 6)
			}
			pats = append(pats, p)
		}
		r.ok("getPassthroughAnnotations", map[string]interface{}{"podAnnotations": pod, "runtimePodAnnotations": pats},
			getPassthroughAnnotations(pod, pats))
	}
}

// helpersImageStore records localResolve, toContainerdImage and ensureImageExists over image stores
// built with the store's own fake constructor (the one containerd's tests use): the references an image
// ends up with, their order, and how IDs, ID prefixes and references resolve.
func helpersImageStore(t *testing.T, r *recording, g *gen) {
	for scenario := 0; scenario < 40; scenario++ {
		var images []imagestore.Image
		var spec []map[string]interface{}
		for n := 1 + g.intn(4); n > 0; n-- {
			id := "sha256:" + g.stringFrom(hexChars, 0)
			prefix := g.pick("", "a", "ab", "abc", "0")
			id += prefix
			for len(id) < 71 {
				id += hexChars[g.intn(16)]
			}
			// The same ID twice makes the store merge and sort the references of both.
			if len(images) > 0 && g.intn(3) == 0 {
				id = images[g.intn(len(images))].ID
			}
			var refs []string
			for m := g.intn(4); m > 0; m-- {
				ref := g.helpersRef()
				if named, err := docker.ParseDockerRef(ref); err == nil && g.intn(3) > 0 {
					ref = named.String()
				}
				refs = append(refs, ref)
			}
			images = append(images, imagestore.Image{ID: id, References: refs})
			spec = append(spec, map[string]interface{}{"id": id, "references": refs})
		}
		store, err := imagestore.NewFakeStore(images)
		if err != nil {
			r.result("imageStore", spec, nil, err)
			continue
		}
		var listed []map[string]interface{}
		all := store.List()
		sort.Slice(all, func(a, b int) bool { return all[a].ID < all[b].ID })
		for _, img := range all {
			listed = append(listed, map[string]interface{}{"id": img.ID, "references": img.References})
		}
		r.ok("imageStore", spec, listed)

		c := &criService{imageStore: store}
		var queries []string
		for _, img := range images {
			queries = append(queries, img.ID, img.ID[7:], img.ID[7:7+1+g.intn(12)], img.ID[:7+1+g.intn(12)])
			for _, ref := range img.References {
				queries = append(queries, ref)
			}
		}
		for n := 0; n < 6; n++ {
			queries = append(queries, g.helpersRef(), g.pick("", "sha256:", "busybox", "docker.io/library/busybox:latest", "a", "ab", "0"))
		}
		var resolved, ensuredAll []interface{}
		for _, q := range queries {
			img, err := c.localResolve(q)
			resolved = append(resolved, helpersImageOutcome(&img, err))
			func() {
				defer func() {
					// A reference that is not local makes ensureImageExists pull it, which needs a real
					// containerd client; only the paths that never reach the client are recorded.
					if recover() != nil {
						ensuredAll = append(ensuredAll, map[string]interface{}{"skipped": true})
					}
				}()
				ensured, err := c.ensureImageExists(context.Background(), q, nil)
				ensuredAll = append(ensuredAll, helpersImageOutcome(ensured, err))
			}()
		}
		// One case per store: the queries and, per query, the image found or the error text.
		r.ok("localResolve", map[string]interface{}{"store": spec, "queries": queries}, resolved)
		r.ok("ensureImageExists", map[string]interface{}{"store": spec, "queries": queries}, ensuredAll)
	}
	// toContainerdImage only fails without touching the client when an image has no reference.
	c := &criService{}
	for _, id := range []string{"sha256:abc", "", "x\"y"} {
		_, err := c.toContainerdImage(context.Background(), imagestore.Image{ID: id})
		r.result("toContainerdImage", map[string]interface{}{"id": id, "references": []string{}}, nil, err)
	}
}

func helpersImageOutcome(img *imagestore.Image, err error) interface{} {
	if err != nil {
		return map[string]interface{}{"err": err.Error()}
	}
	return map[string]interface{}{"id": img.ID, "references": img.References}
}

func helpersValidateTargetContainer(t *testing.T, r *recording, g *gen) {
	for scenario := 0; scenario < 30; scenario++ {
		store := containerstore.NewStore(label.NewStore())
		var spec []map[string]interface{}
		sandboxes := []string{"sandbox-a", "sandbox-b", "sandbox-a" + g.pick("", "x")}
		for n := 1 + g.intn(5); n > 0; n-- {
			id := g.pick("", "a", "ab", "abc", "b") + g.stringFrom(hexChars, 0)
			for len(id) < 64 {
				id += hexChars[g.intn(16)]
			}
			status := containerstore.Status{}
			switch g.intn(5) {
			case 0:
			case 1:
				status = containerstore.Status{CreatedAt: 1}
			case 2:
				status = containerstore.Status{CreatedAt: 1, StartedAt: 2}
			case 3:
				status = containerstore.Status{CreatedAt: 1, StartedAt: 2, FinishedAt: 3}
			default:
				status = containerstore.Status{CreatedAt: 1, StartedAt: 2, Unknown: true}
			}
			sandbox := sandboxes[g.intn(len(sandboxes))]
			c, err := containerstore.NewContainer(containerstore.Metadata{ID: id, Name: fmt.Sprintf("c%d", n), SandboxID: sandbox},
				containerstore.WithFakeStatus(status))
			if err != nil {
				t.Fatal(err)
			}
			if err := store.Add(c); err != nil {
				continue
			}
			spec = append(spec, map[string]interface{}{"id": id, "sandboxId": sandbox,
				"createdAt": i64(status.CreatedAt), "startedAt": i64(status.StartedAt), "finishedAt": i64(status.FinishedAt), "unknown": status.Unknown})
		}
		svc := &criService{containerStore: store}
		var queries []map[string]string
		var outcomes []interface{}
		for q := 0; q < 10; q++ {
			target := g.pick("", "a", "ab", "zz", "abc", " ", "a b")
			if len(spec) > 0 && q%2 == 0 {
				full := spec[g.intn(len(spec))]["id"].(string)
				target = full[:1+g.intn(len(full))]
			}
			sandbox := sandboxes[g.intn(len(sandboxes))]
			queries = append(queries, map[string]string{"sandboxId": sandbox, "targetContainerId": target})
			c, err := svc.validateTargetContainer(sandbox, target)
			if err != nil {
				outcomes = append(outcomes, map[string]interface{}{"err": err.Error()})
			} else {
				outcomes = append(outcomes, map[string]interface{}{"id": c.ID})
			}
		}
		r.ok("validateTargetContainer", map[string]interface{}{"containers": spec, "queries": queries}, outcomes)
	}
}
