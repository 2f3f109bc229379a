package store

import (
	"errors"
	"io/fs"
	"os"
)

// privateSQLiteFile creates the SQLite database file at path readable and
// writable by its owner only (0600) before SQLite would create it 0644:
// the desk holds requesters' mail, and SQLite gives the -wal and -shm files
// it creates the database file's permissions, so all three stay private.
// An existing file, and its -wal, -shm and -journal, lose any permission
// for others (group permissions are the administrator's choice and kept);
// that is best effort, as another user's file cannot be changed.
func privateSQLiteFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o007 != 0 {
			_ = os.Chmod(p, fi.Mode().Perm()&^0o007)
		}
	}
	return nil
}
