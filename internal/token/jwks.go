package token

// JWKS returns the public JSON Web Key Set ({"keys":[...]}) of the keys
// that currently verify: the next key (staged, not signing yet), the current
// one and the retired ones whose tokens may not all have expired.
// The bytes are computed on load; when a key passes its delete_after the set
// is rebuilt once from memory, without the store.
func (m *Manager) JWKS() []byte {
	for {
		st := m.state.Load()
		now := m.now()
		if st.nextDelete.IsZero() || !now.After(st.nextDelete) {
			return st.jwks
		}
		var keep []*entry
		for _, e := range st.entries {
			if !pastDelete(e.deleteAfter, now) {
				keep = append(keep, e)
			}
		}
		nst, err := buildState(keep, st.signers, st.loadedAt)
		if err != nil {
			m.log.Error("token: rebuild jwks", "err", err)
			return st.jwks
		}
		nst.maxGen = st.maxGen
		// Lost to a reload: look again, since a reload that read the clock
		// before now may still hold a key dropped at now.
		if m.state.CompareAndSwap(st, nst) {
			return nst.jwks
		}
	}
}
