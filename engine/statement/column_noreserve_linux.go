package statement

import "syscall"

const mapNoReserve = syscall.MAP_NORESERVE
