package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// api is how a scenario talks to the server: Directus's REST routes, or the
// GraphQL endpoint over the same service (-api).
type api string

const (
	apiREST    api = "rest"
	apiGraphQL api = "graphql"
)

func parseAPI(s string) (api, error) {
	switch a := api(s); a {
	case apiREST, apiGraphQL:
		return a, nil
	}
	return "", fmt.Errorf("-api %q: want rest or graphql", s)
}

// name is how a report names the scenario: rest over Directus's route,
// op over /graphql.
func (a api) name(rest, op string) string {
	if a == apiGraphQL {
		return "POST /graphql " + op
	}
	return rest
}

const (
	gqlLogin   = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken expires } }`
	gqlRefresh = `mutation($token: String!) { refresh(refreshToken: $token) { accessToken refreshToken expires } }`
	gqlMe      = `{ me { id email } }`
)

// call is one request: where it goes and what it carries.
type call struct {
	method, path string
	body         []byte
}

func gqlCall(query string, vars map[string]string) call {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return call{http.MethodPost, "/graphql", body}
}

func (a api) login(email, password string) call {
	if a == apiGraphQL {
		return gqlCall(gqlLogin, map[string]string{"email": email, "password": password})
	}
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return call{http.MethodPost, "/auth/login", body}
}

func (a api) refresh(token string) call {
	if a == apiGraphQL {
		return gqlCall(gqlRefresh, map[string]string{"token": token})
	}
	body, _ := json.Marshal(map[string]string{"refresh_token": token, "mode": "json"})
	return call{http.MethodPost, "/auth/refresh", body}
}

func (a api) me() call {
	if a == apiGraphQL {
		return gqlCall(gqlMe, nil)
	}
	return call{http.MethodGet, "/users/me", nil}
}

// gqlAnswer is a GraphQL response to login or refresh.
type gqlAnswer struct {
	Data map[string]*struct {
		Access  string `json:"accessToken"`
		Refresh string `json:"refreshToken"`
	} `json:"data"`
	Errors []gqlError `json:"errors"`
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// refreshToken reads the new refresh token from a 200 answer to a login or
// refresh, or the error the answer reports.
func (a api) refreshToken(body []byte) (string, error) {
	if a == apiGraphQL {
		var ans gqlAnswer
		if err := json.Unmarshal(body, &ans); err != nil {
			return "", err
		}
		if len(ans.Errors) > 0 {
			return "", gqlFailure(ans.Errors)
		}
		for _, t := range ans.Data {
			if t != nil && t.Refresh != "" {
				return t.Refresh, nil
			}
		}
		return "", errors.New("no refresh token")
	}
	var ans struct {
		Data struct {
			Refresh string `json:"refresh_token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return "", err
	}
	if ans.Data.Refresh == "" {
		return "", errors.New("no refresh token")
	}
	return ans.Data.Refresh, nil
}

// failure is the error a 200 answer reports: GraphQL answers a failed
// operation with 200 and an errors list, which must not count as a success.
func (a api) failure(body []byte) error {
	if a != apiGraphQL || !bytes.Contains(body, []byte(`"errors"`)) {
		return nil
	}
	var ans struct {
		Errors []gqlError `json:"errors"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return err
	}
	if len(ans.Errors) == 0 {
		return nil
	}
	return gqlFailure(ans.Errors)
}

// gqlFailure names the first error by its code; the report counts it as
// "err:graphql CODE".
func gqlFailure(errs []gqlError) error {
	code := errs[0].Extensions.Code
	if code == "" {
		code = errs[0].Message
	}
	return fmt.Errorf("graphql %s", code)
}
