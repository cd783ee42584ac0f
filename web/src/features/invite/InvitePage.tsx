import { Box, Callout, Throbber } from '@rocket.chat/fuselage';
import { useEffect, useRef, useState } from 'react';

import { errorMessage } from '../../lib/api';
import { Link, navigate } from '../../lib/router';
import { toast } from '../../ui/toast';
import { redeemInvite } from './invite';

/** InvitePage redeems an invitation for the signed-in user and opens its room. */
export function InvitePage({ token }: { token: string }) {
	const [error, setError] = useState<string>();
	const started = useRef('');
	useEffect(() => {
		if (started.current === token) return;
		started.current = token;
		redeemInvite(token)
			.then((path) => navigate(path, { replace: true }))
			.catch((err) => {
				setError(errorMessage(err));
				toast('Failed to activate invite token', 'error');
			});
	}, [token]);
	if (error) {
		return (
			<Box padding="x24">
				<Callout type="danger" role="alert" title="Invalid or expired invite">
					{error}
				</Callout>
				<p>
					<Link to="/home">Go home</Link>
				</p>
			</Box>
		);
	}
	return (
		<Box padding="x24" display="flex" alignItems="center" aria-busy="true">
			<Throbber /> Joining the room…
		</Box>
	);
}
