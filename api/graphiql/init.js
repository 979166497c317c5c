// Starts GraphiQL against this server's /graphql endpoint. Every script is
// served from the binary; nothing is fetched from a CDN.
(function () {
  'use strict';
  var fetcher = GraphiQL.createFetcher({
    url: new URL('/graphql', window.location.href).toString(),
  });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery:
        '# 公益金阳光公示平台 public GraphQL API\n' +
        '# Press the play button (Ctrl-Enter) to run a query.\n' +
        '{\n  __typename\n}\n',
    })
  );
})();
