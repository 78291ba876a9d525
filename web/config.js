// Where the dashboard finds the Switchyard API. Empty: the origin serving the dashboard (the local
// stack serves both). A deployed dashboard gets this file rewritten with the stack's ApiUrl output
// (see the README); `?api=URL` on the dashboard's address overrides it for one session.
export default {
  apiUrl: "",
};
