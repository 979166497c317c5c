//go:build !linux

package search

import "time"

func pageOutMapped(dir string) bool { return false }

func pageOutWhile(dir string, budget int64, poll time.Duration, stop <-chan struct{}) {}
