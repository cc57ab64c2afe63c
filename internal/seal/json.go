package seal

import (
	"encoding/json"
	"fmt"
)

// SealJSON seals the JSON encoding of v: the form of a record whose
// personal fields are sealed together (a member's contact data, a
// workplace, an application).
func (kr *Keyring) SealJSON(v any, aad []byte) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	s, err := kr.Seal(b, aad)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return s, nil
}

// OpenJSON opens a value sealed by SealJSON into v.
func (kr *Keyring) OpenJSON(sealed, aad []byte, v any) error {
	plain, err := kr.Open(sealed, aad)
	if err != nil {
		return fmt.Errorf("open sealed data: %w", err)
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("decode sealed data: %w", err)
	}
	return nil
}
