// An example operator tool, in AVR's tool convention (CommonJS, like the files of AVR's tools/ folder).
// Copy it into TOOLS_DIR (default ./tools) to offer it to the model. It uses Open-Meteo, which needs no key.

const TIMEOUT_MS = 4000;

async function getJson(url, signal) {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  // A thrown error reaches the model as "Error: the tool get_weather failed: <message>".
  if (!res.ok) throw new Error(`the weather service answered HTTP ${res.status}`);
  return res.json();
}

module.exports = {
  name: 'get_weather',
  description: 'Gets the current weather in a city. Use it when the caller asks about the weather somewhere.',
  input_schema: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'The city, e.g. "Rome" or "New York".' },
    },
    required: ['city'],
  },
  // `context` ({ uuid, metadata, signal }) is optional: AVR's two-argument handlers work unchanged.
  handler: async (uuid, { city }, context) => {
    const signal = context && context.signal;
    const geo = await getJson(`https://geocoding-api.open-meteo.com/v1/search?count=1&name=${encodeURIComponent(city)}`, signal);
    const place = geo.results && geo.results[0];
    if (!place) return `There is no city called "${city}" in the weather service.`;
    const { current } = await getJson(
      `https://api.open-meteo.com/v1/forecast?latitude=${place.latitude}&longitude=${place.longitude}&current=temperature_2m,wind_speed_10m`,
      signal,
    );
    // An object is sent to the model as JSON.
    return { city: place.name, country: place.country, temperature_celsius: current.temperature_2m, wind_kmh: current.wind_speed_10m };
  },
};
