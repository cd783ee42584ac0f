// Posts Prometheus Alertmanager notifications: one attachment per alert,
// red while firing and green once resolved, with the alert's labels.
class Script {
  process_incoming_request({ request }) {
    const n = request.content;
    if (!n || !Array.isArray(n.alerts)) {
      return { error: { success: false, message: 'not an Alertmanager notification' } };
    }
    const firing = n.alerts.filter((a) => a.status === 'firing').length;
    const title = `[${n.status.toUpperCase()}${n.status === 'firing' ? ':' + firing : ''}] ${n.groupLabels.alertname}`;
    const attachments = n.alerts.map((a) => ({
      title: `${a.labels.alertname} on ${a.labels.instance}`,
      title_link: a.generatorURL,
      text: a.annotations.description || a.annotations.summary || '',
      color: a.status === 'firing' ? (a.labels.severity === 'critical' ? '#d22852' : '#f2a413') : '#2faa60',
      fields: Object.keys(a.labels)
        .filter((k) => k !== 'alertname')
        .sort()
        .map((k) => ({ title: k, value: a.labels[k], short: true })),
      ts: a.startsAt,
    }));
    Store.set('notifications', (Store.get('notifications') || 0) + 1);
    return { content: { username: 'Alertmanager', text: `${title} (${n.receiver})`, attachments } };
  }
}
