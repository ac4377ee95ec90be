// Package pluginpb holds the generated gRPC code of the host–plugin protocol.
// Regenerate with `go generate ./plugins/...` (needs protoc, protoc-gen-go and
// protoc-gen-go-grpc); the generated files are committed so builds need none of them.
package pluginpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative provider.proto
