// Package local is the FileSystem storage backend (FileUpload_Storage_Type
// FileSystem): blobs are files under one directory, each key its relative
// path.
//
// Every access goes through an os.Root opened on that directory, so no key,
// symbolic link or race can reach a file outside it. Put writes to a
// temporary file under files.TempPrefix, syncs it, and renames it into
// place (then syncs the directory), so readers never see a partial file and
// an acknowledged Put survives a crash. Delete prunes directories it leaves
// empty.
package local
