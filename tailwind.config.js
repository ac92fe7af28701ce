/** @type {import('tailwindcss').Config} */
const plugin = require("tailwindcss/plugin");

// The greys come from CSS variables (static/src/app.css), which the dark
// theme swaps.
const gray = Object.fromEntries(
  [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950].map((n) => [n, `rgb(var(--gray-${n}) / <alpha-value>)`]),
);

// Tinted surfaces and coloured text (alerts, badges, links) in the dark
// theme: a dark tint of the same hue and a light shade of its text.
const darkTints = plugin(function ({ addBase, theme }) {
  const rules = {};
  for (const c of ["red", "green", "blue", "amber", "yellow", "indigo"]) {
    const shade = (n) => theme(`colors.${c}.${n}`);
    rules[`html.dark .bg-${c}-50, html.dark .bg-${c}-100`] = { backgroundColor: shade(950) + "99" };
    rules[`html.dark .text-${c}-600, html.dark .text-${c}-700`] = { color: shade(300) };
    rules[`html.dark .text-${c}-800, html.dark .text-${c}-900`] = { color: shade(200) };
    rules[`html.dark .ring-${c}-200, html.dark .ring-${c}-300`] = { "--tw-ring-color": shade(800) };
    rules[`html.dark .border-${c}-200, html.dark .border-${c}-300`] = { borderColor: shade(800) };
  }
  rules["html.dark .text-indigo-600"] = { color: theme("colors.indigo.300") };
  rules["html.dark .hover\\:text-indigo-500:hover"] = { color: theme("colors.indigo.200") };
  addBase(rules);
});

module.exports = {
  darkMode: "class",
  content: ["./views/**/*.templ", "./static/js/**/*.js"],
  theme: {
    extend: {
      colors: { gray },
      fontFamily: {
        sans: ["Inter", "ui-sans-serif", "system-ui", "sans-serif"],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
      },
    },
  },
  plugins: [darkTints],
};
