// The documents the playground opens on, instead of GraphiQL's generic
// welcome text: log in, then ask who you are with the token login returned
// (index.jsx copies it into the Headers pane).

const steps = (login, other) => `# Welcome to Gatehouse's GraphQL playground.
#
# 1. Put your email and password into ${login} below and run it: place the
#    cursor inside it and press Ctrl-Enter (or press ▶ and pick Login).
#    The access token it returns is copied into the Headers pane below,
#    as "Authorization: Bearer …".
# 2. Run Me the same way: it is sent with that header and answers who you are.
#
# ${other}
`;

export const examples = {
  gatehouse: {
    query: `${steps('login', "Directus's names (auth_login, users_me, …) are at /graphql/system.")}
mutation Login {
  login(email: "admin@example.com", password: "your-password") {
    accessToken
    expires
    refreshToken
  }
}

query Me {
  me {
    id
    email
    firstName
    lastName
  }
}
`,
  },
  directus: {
    query: `${steps('auth_login', "This endpoint speaks Directus's names; Gatehouse's own schema is at /graphql.")}
mutation Login {
  auth_login(email: "admin@example.com", password: "your-password") {
    access_token
    expires
    refresh_token
  }
}

query Me {
  users_me {
    id
    email
    first_name
    last_name
  }
}
`,
  },
};

// tokenOf returns the access token a login or refresh result carries
// (login.accessToken here, auth_login.access_token on /graphql/system,
// under any alias), or undefined.
export function tokenOf(body) {
  const data = body && typeof body === 'object' ? body.data : null;
  if (!data || typeof data !== 'object') return undefined;
  for (const v of Object.values(data)) {
    if (!v || typeof v !== 'object') continue;
    const t = v.accessToken ?? v.access_token;
    if (typeof t === 'string' && t !== '') return t;
  }
  return undefined;
}
