import webpush from "web-push";
import type { VapidKeys } from "./sender.js";
import type { PushStore } from "./store.js";

/**
 * The server's VAPID identity: the environment's pair when set (production may pin it), otherwise
 * the pair kept in the database, made by the first instance that started. Browsers subscribe with
 * the public key, so it must stay the same across restarts and instances.
 */
export async function loadVapidKeys(
  store: PushStore,
  env: { VAPID_PUBLIC_KEY?: string; VAPID_PRIVATE_KEY?: string; VAPID_SUBJECT: string },
): Promise<VapidKeys> {
  const subject = env.VAPID_SUBJECT;
  if (env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY)
    return { subject, publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY };
  let stored = await store.vapidKeys();
  if (!stored) {
    const made = webpush.generateVAPIDKeys();
    await store.storeVapidKeys(made.publicKey, made.privateKey);
    stored = await store.vapidKeys();
  }
  return { subject, publicKey: stored!.public_key, privateKey: stored!.private_key };
}
