package main

import "github.com/gatehouse/gatehouse/internal/auth"

func authNewUser(email, password string, admin bool) auth.NewUser {
	return auth.NewUser{Email: email, Password: password, Admin: admin}
}
