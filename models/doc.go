// Package models holds the bun models for Gatehouse's tables. They carry data
// only; queries live in internal/store and rules in internal/auth.
package models
