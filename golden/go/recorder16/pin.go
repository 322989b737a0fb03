//go:build pin

// Package recorder16 only pins containerd's version for record.sh; the recorder itself is the
// record_*_test.go files here, compiled inside containerd v1.6.20's pkg/cri/server package
// together with ../recorder/record_common_test.go.
package recorder16

import _ "github.com/containerd/containerd/pkg/cri/server"
