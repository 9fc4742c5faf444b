/** What the statistics routes take (they are served by the admin group's function): nothing. */
export const statsRequests = {
  'GET /v1/stats': {},
  'GET /v1/stats/summary': {},
} as const;
