package host

import (
	"context"
	"io"
	"log/slog"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/reconhq/recon/plugins"
)

// hclogFor bridges go-plugin's hclog (its own messages and the plugins'
// stderr, which go-plugin parses) into slog.
func hclogFor(log *slog.Logger) hclog.Logger {
	il := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: "plugin", Output: io.Discard, Level: hclog.Off})
	il.RegisterSink(&slogSink{log: log})
	return il
}

type slogSink struct{ log *slog.Logger }

func (s *slogSink) Accept(name string, level hclog.Level, msg string, args ...interface{}) {
	var l slog.Level
	switch {
	case level <= hclog.Debug:
		l = slog.LevelDebug
	case level == hclog.Info:
		// go-plugin reports every start and exit at info; they are debug to an operator.
		l = slog.LevelDebug
	case level == hclog.Warn:
		l = slog.LevelWarn
	default:
		l = slog.LevelError
	}
	// Host.Start gives each account's logger account= (With), which args
	// carry, as they do plugin= (the plugin's binary): name, go-plugin's
	// plugin.stdio and the like, says nothing an operator needs.
	s.log.Log(context.Background(), l, msg, args...)
}

func (s *slogSink) Flush() {}

func dialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallRecvMsgSize(plugins.MaxMessageBytes), grpc.MaxCallSendMsgSize(plugins.MaxMessageBytes))}
}

// grpcMessage unwraps a gRPC status into its message, which is the plugin's error text.
func grpcMessage(err error) error {
	if s, ok := status.FromError(err); ok {
		return errorString(s.Message())
	}
	return err
}

type errorString string

func (e errorString) Error() string { return string(e) }
