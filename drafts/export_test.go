package drafts

// SetWriteMode selects how s runs write transactions, for the contract
// tests in package drafts_test: "group" (the default), "update" or "batch".
func SetWriteMode(s *Store, mode string) {
	switch mode {
	case "update":
		s.mode = modeUpdate
	case "batch":
		s.mode = modeBatch
	default:
		s.mode = modeGroup
	}
}
