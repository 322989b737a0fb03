module fake-cri/test/old-grpc-client

go 1.15

require (
	google.golang.org/grpc v1.27.1
	k8s.io/cri-api v0.20.6
)
