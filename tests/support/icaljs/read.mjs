// Reads one iCalendar document on stdin with Mozilla's ical.js and prints what it understood as
// JSON: the calendar's METHOD and, for each VEVENT, its UID, SEQUENCE, STATUS, ORGANIZER, the
// ATTENDEEs with their parameters, and its start and end as UTC instants (ISO 8601), the zone
// resolved through the document's own VTIMEZONEs, as Thunderbird does.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const root = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const utc = (time) => (time === null ? null : new Date(time.toUnixTime() * 1000).toISOString());
const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    summary: event.summary,
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
    start: utc(event.startDate),
    end: utc(event.endDate),
    organizer: vevent.getFirstPropertyValue("organizer"),
    attendees: vevent.getAllProperties("attendee").map((p) => ({
      value: p.getFirstValue(),
      role: p.getParameter("role") ?? null,
      rsvp: p.getParameter("rsvp") ?? null,
    })),
  };
});
process.stdout.write(
  JSON.stringify({ method: root.getFirstPropertyValue("method"), events }) + "\n",
);
