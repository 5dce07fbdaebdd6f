"""Following rollbacks: which replica watches which deployment, when it polls, and the thread it
tells."""
