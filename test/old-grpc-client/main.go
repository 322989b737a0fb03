// A CRI client built on grpc-go v1.27.1 (the version containerd 1.5 pinned, from before grpc-go
// sent "localhost" as the :authority on unix sockets), for testing that fake-cri accepts clients
// that send the socket path as the HTTP/2 :authority.
//
//	old-grpc-client -endpoint unix:///run/x.sock [-dial target|path] [-timeout 2s] CALL...
//
// -dial target passes "unix:///run/x.sock" to grpc.Dial: grpc-go 1.27 has no unix resolver, falls
// back to passthrough and sends the whole target as :authority. -dial path passes "/run/x.sock" with
// a unix dialer, as kubelets before 1.26 and crictl 1.26 and older did: :authority is the path.
//
// CALL is API.RPC, e.g. v1alpha2.Version, v1.Version, v1.Status, v1.PodSandboxStatus, v1.ListImages.
// Each prints one JSON line: {"call":..., "response":...} or {"call":..., "error":"<err.Error()>"}.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	v1 "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-api/pkg/apis/runtime/v1alpha2"
)

func main() {
	endpoint := flag.String("endpoint", "", "unix:///path of the CRI socket")
	dial := flag.String("dial", "target", "target: dial the unix:// URL; path: dial the bare path with a unix dialer")
	timeout := flag.Duration("timeout", 5*time.Second, "deadline of each call")
	flag.Parse()
	path := strings.TrimPrefix(*endpoint, "unix://")

	var conn *grpc.ClientConn
	var err error
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch *dial {
	case "target":
		conn, err = grpc.DialContext(ctx, *endpoint, grpc.WithInsecure(), grpc.WithBlock())
	case "path":
		unixDialer := func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}
		conn, err = grpc.DialContext(ctx, path, grpc.WithInsecure(), grpc.WithBlock(), grpc.WithContextDialer(unixDialer))
	default:
		err = fmt.Errorf("unknown -dial %q", *dial)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer conn.Close()

	out := json.NewEncoder(os.Stdout)
	for _, name := range flag.Args() {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		response, err := call(ctx, conn, name)
		cancel()
		line := map[string]interface{}{"call": name}
		if err != nil {
			line["error"] = err.Error()
		} else {
			line["response"] = response
		}
		if err := out.Encode(line); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}

func call(ctx context.Context, conn *grpc.ClientConn, name string) (interface{}, error) {
	switch name {
	case "v1alpha2.Version":
		return v1alpha2.NewRuntimeServiceClient(conn).Version(ctx, &v1alpha2.VersionRequest{Version: "0.1.0"})
	case "v1.Version":
		return v1.NewRuntimeServiceClient(conn).Version(ctx, &v1.VersionRequest{Version: "0.1.0"})
	case "v1.Status":
		return v1.NewRuntimeServiceClient(conn).Status(ctx, &v1.StatusRequest{})
	case "v1.PodSandboxStatus":
		return v1.NewRuntimeServiceClient(conn).PodSandboxStatus(ctx, &v1.PodSandboxStatusRequest{PodSandboxId: "slow"})
	case "v1.ListImages":
		return v1.NewImageServiceClient(conn).ListImages(ctx, &v1.ListImagesRequest{})
	}
	return nil, fmt.Errorf("unknown call %q", name)
}
