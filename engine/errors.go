package engine

import "errors"

// ErrNoAnswers is returned when not a single query of the run was answered:
// every provider was unreachable, so the results say nothing.
var ErrNoAnswers = errors.New("not a single order of the run could be queried")

// ErrInterrupted is returned when the run was stopped by a signal; running
// the same command again resumes it.
var ErrInterrupted = errors.New("the run was interrupted")
