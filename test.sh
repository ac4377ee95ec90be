#!/usr/bin/env bash
# The test command of the README: formatting, vet, and every test under the
# race detector (end-to-end tests build recon and run real plugin processes
# against the simulators on loopback).
set -euo pipefail
cd "$(dirname "$0")"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt -l lists:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 ./... "$@"
