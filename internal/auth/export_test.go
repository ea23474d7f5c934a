package auth

import "github.com/gatehouse/gatehouse/models"

// Exported for the black-box tests in auth_test, which store one-time tokens
// the way the service does.
var HashSecret = hashSecret

func PasswordMark(u *models.User) string { return passwordMark(u) }
