/** The source of an operator tool file `order_status.cjs` (one required `order` string), with the given handler (JS source). */
export function orderStatusTool(handler: string): string {
  return `module.exports = {
    name: 'order_status',
    description: 'Looks up an order',
    input_schema: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
    handler: ${handler},
  };`;
}
