package index

// SetSaveEvery sets saveEvery until the returned function puts it back.
func SetSaveEvery(n int) (restore func()) {
	old := saveEvery
	saveEvery = n
	return func() { saveEvery = old }
}
