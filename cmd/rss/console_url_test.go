package main

import "testing"

func TestConsoleURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://localhost:8080/console/",
		"0.0.0.0:9000":   "http://localhost:9000/console/",
		"127.0.0.1:8080": "http://127.0.0.1:8080/console/",
		"[::1]:8080":     "http://[::1]:8080/console/",
	} {
		if got := consoleURL(addr); got != want {
			t.Errorf("consoleURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
