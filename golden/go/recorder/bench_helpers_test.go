//go:build recorder

package server

// The Go side of bench/local-resolve.ts: localResolve over a store of 1,000 images, each named by
// a tag and a digest reference, queried by tag, familiar name, full ID, short ID and digest
// reference. Run with `record.sh --bench LocalResolve`.

import (
	"fmt"
	"testing"

	imagedigest "github.com/opencontainers/go-digest"

	imagestore "github.com/containerd/containerd/pkg/cri/store/image"
)

func benchLocalResolveInputs(b *testing.B) (*criService, []string) {
	var images []imagestore.Image
	var queries []string
	for i := 0; i < 1000; i++ {
		id := imagedigest.FromString(fmt.Sprintf("image-%d", i)).String()
		manifest := imagedigest.FromString(fmt.Sprintf("manifest-%d", i)).String()
		tag := fmt.Sprintf("docker.io/team%d/app-%d:v%d", i%7, i, i%5)
		byDigest := fmt.Sprintf("docker.io/team%d/app-%d@%s", i%7, i, manifest)
		images = append(images, imagestore.Image{ID: id, References: []string{tag, byDigest}})
		if i%10 == 0 {
			queries = append(queries, tag, fmt.Sprintf("team%d/app-%d:v%d", i%7, i, i%5), id, id[7:19], byDigest)
		}
	}
	store, err := imagestore.NewFakeStore(images)
	if err != nil {
		b.Fatal(err)
	}
	return &criService{imageStore: store}, queries
}

func BenchmarkLocalResolve(b *testing.B) {
	c, queries := benchLocalResolveInputs(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.localResolve(queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
	}
}
