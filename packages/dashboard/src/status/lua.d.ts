// Lua scripts are bundled as text (tsup's loader, and the vitest plugin under test).
declare module "*.lua" {
  const text: string;
  export default text;
}
