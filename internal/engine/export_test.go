package engine

// Proven reports whether verifyChanges trusts c without parsing its new bytes.
func Proven(c FileChange) bool { return c.proven }
