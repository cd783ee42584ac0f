package model

// Page selects a window of a list result, as the API's count, offset and
// sort parameters describe it: Offset records skipped, at most Count
// returned (Count 0 means no limit), sorted by Sort's keys in order.
// Services and stores take it alike (store.Page is this type); stores
// support the sort fields documented on each query and refuse others,
// never ignoring one silently.
type Page struct {
	Offset int
	Count  int
	Sort   []SortKey
	// NoTotal tells a list method that the caller ignores the total: the
	// backend may skip counting the matches (a count over a big room's
	// history costs a pass over every message) and return Offset plus the
	// page's length instead.
	NoTotal bool
}

// SortKey is one field of a sort order: a record field as the API names
// it ("ts", "username", "_updatedAt"), ascending unless Desc.
type SortKey struct {
	Field string
	Desc  bool
}
