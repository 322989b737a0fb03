//go:build pin

// Package recorder only pins containerd's version for record.sh; the recorder itself is the
// *_test.go files here, which are compiled inside containerd's pkg/cri/server package.
package recorder

import _ "github.com/containerd/containerd/pkg/cri/server"
