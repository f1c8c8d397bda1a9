// Package fsync makes what was written to a file, or the entries of a folder, durable.
package fsync

import "os"

// Path opens p — a file or a folder — fsyncs it and closes it. For a folder that makes the
// entries created, removed or renamed in it durable.
func Path(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
