package host

import (
	"context"
	"io"
	"log/slog"
	"strings"

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
	// name is "plugin.ACCOUNT" (Host.Start names each account's logger);
	// go-plugin's own args name the plugin's binary as plugin=.
	s.log.Log(context.Background(), l, msg, append([]any{"account", strings.TrimPrefix(name, "plugin.")}, args...)...)
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
