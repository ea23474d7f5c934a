package password

// Check reports whether encoded is a hash Verify can use (a supported
// algorithm within the parameter bounds), without hashing anything: an
// importer vets stored hashes it cannot test with a password.
func Check(encoded string) error {
	_, err := defaultLimits.parse(encoded)
	return err
}
