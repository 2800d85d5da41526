package index

// SetSaveEvery sets saveEvery until the returned function puts it back.
func SetSaveEvery(n int) (restore func()) {
	old := saveEvery
	saveEvery = n
	return func() { saveEvery = old }
}

// SetHeldMemBytes sets heldMemBytes until the returned function puts it back.
func SetHeldMemBytes(n int64) (restore func()) {
	old := heldMemBytes
	heldMemBytes = n
	return func() { heldMemBytes = old }
}

// SetWorkers sets the size of ix's worker pool.
func (ix *Indexer) SetWorkers(n int) { ix.workers = n }
