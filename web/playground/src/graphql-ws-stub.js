// GraphiQL's fetcher imports graphql-ws lazily, only for a subscriptionUrl, which the
// playground never passes; this stub keeps the optional websocket client out of the bundle.
export function createClient() {
  throw new Error('subscriptions over websockets are not supported by this playground');
}
