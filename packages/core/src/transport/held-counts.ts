/** Deliveries this process's consumers of one physical queue hold, not yet settled. */
export interface HeldCount {
  /** How many are held now. */
  value: number;
}

type Counts = Map<string, HeldCount>;

// By `Transport.storeId` where given, so brokers on one store share their counts; else by transport.
const byStore = new Map<string, Counts>();
const byTransport = new WeakMap<object, Counts>();

/** The held counts of the store `transport` talks to, by physical queue. */
export function heldCounts(transport: { readonly storeId?: string | undefined }): Counts {
  const id = transport.storeId;
  let counts = id === undefined ? byTransport.get(transport) : byStore.get(id);
  if (!counts) {
    counts = new Map();
    if (id === undefined) byTransport.set(transport, counts);
    else byStore.set(id, counts);
  }
  return counts;
}

/** The count of one physical queue in `counts`, made on first use. */
export function heldCount(counts: Counts, queueName: string): HeldCount {
  let count = counts.get(queueName);
  if (!count) counts.set(queueName, (count = { value: 0 }));
  return count;
}
