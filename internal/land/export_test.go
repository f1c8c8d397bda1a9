package land

// SetFilterBits sizes every key filter (0: by the input), returning the size before.
func SetFilterBits(n uint64) uint64 {
	old := filterBits
	filterBits = n
	return old
}
