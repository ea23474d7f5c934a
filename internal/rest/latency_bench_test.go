package rest_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
)

// Latency of the same operation over REST and over GraphQL, one request at a
// time so ns/op is the latency. Compare e.g.
//
//	go test -run '^$' -bench 'Latency' ./internal/rest

type gqlTokens struct {
	Data struct {
		Refresh struct {
			RefreshToken string `json:"refreshToken"`
		} `json:"refresh"`
		Login struct {
			AccessToken string `json:"accessToken"`
		} `json:"login"`
	} `json:"data"`
}

func BenchmarkLatencyRefresh(b *testing.B) {
	benchServers(b, func(b *testing.B, s *apptest.Server) {
		c := benchClient()
		b.Run("rest", func(b *testing.B) {
			tok := benchLogin(b, c, s).Data.Refresh
			for b.Loop() {
				var out loginData
				if code := benchPost(b, c, s.URL+"/auth/refresh", map[string]string{"refresh_token": tok}, &out); code != http.StatusOK {
					b.Fatalf("refresh: %d", code)
				}
				tok = out.Data.Refresh
			}
		})
		b.Run("graphql", func(b *testing.B) {
			tok := benchLogin(b, c, s).Data.Refresh
			for b.Loop() {
				var out gqlTokens
				q := map[string]any{"query": `mutation($t: String) { refresh(refreshToken: $t) { accessToken expires refreshToken } }`,
					"variables": map[string]any{"t": tok}}
				if code := benchPost(b, c, s.URL+"/graphql", q, &out); code != http.StatusOK || out.Data.Refresh.RefreshToken == "" {
					b.Fatalf("graphql refresh: %d", code)
				}
				tok = out.Data.Refresh.RefreshToken
			}
		})
	})
}

func BenchmarkLatencyLogin(b *testing.B) {
	benchServers(b, func(b *testing.B, s *apptest.Server) {
		c := benchClient()
		b.Run("rest", func(b *testing.B) {
			for b.Loop() {
				benchLogin(b, c, s)
			}
		})
		b.Run("graphql", func(b *testing.B) {
			q := map[string]any{"query": `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken expires refreshToken } }`,
				"variables": map[string]any{"e": admin, "p": adminPW}}
			for b.Loop() {
				var out gqlTokens
				if code := benchPost(b, c, s.URL+"/graphql", q, &out); code != http.StatusOK || out.Data.Login.AccessToken == "" {
					b.Fatalf("graphql login: %d", code)
				}
			}
		})
	})
}
