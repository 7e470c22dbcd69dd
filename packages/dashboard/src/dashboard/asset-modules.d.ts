/** Stylesheets and the page script are bundled as text (tsup's text loader, and a vitest plugin). */
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.client.js" {
  const text: string;
  export default text;
}
