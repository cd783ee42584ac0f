import { roomPath } from '../../chat/types';
import { connection } from '../../lib/session';

// Invitation links (/invite/<token>), joined as Rocket.Chat's web client
// joins them: a visitor who is signed out validates the token, signs in or
// registers (the token standing for the registration secret), and comes
// back here; a signed-in user redeems the token with useInviteToken and
// lands in the room.

/** The page to come back to after signing in from an invitation. */
export const afterLoginKey = 'liftoff.after-login';

/** validateInvite asks whether the token names a usable invite (anonymous). */
export async function validateInvite(token: string): Promise<boolean> {
	const answer = (await connection.rest.post('/v1/validateInviteToken', { token } as never)) as unknown as { valid?: boolean };
	return answer.valid === true;
}

type InviteRoom = { rid: string; t: string; name?: string; fname?: string };

/** redeemInvite redeems the token for the signed-in user; it returns the room's path. */
export async function redeemInvite(token: string): Promise<string> {
	const answer = (await connection.rest.post('/v1/useInviteToken', { token } as never)) as unknown as { room: InviteRoom };
	return roomPath(answer.room);
}
