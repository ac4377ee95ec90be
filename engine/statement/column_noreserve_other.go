//go:build darwin || freebsd

package statement

const mapNoReserve = 0
