package model

// FileRef is a file a message carries (Rocket.Chat's FileProp): the
// message's file and each entry of its files (the upload, then its
// thumbnail).
type FileRef struct {
	ID        string `json:"_id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Size      int64  `json:"size"`
	Format    string `json:"format"`
	TypeGroup string `json:"typeGroup,omitempty"`
}

// ImageSize is a picture's width and height in pixels.
type ImageSize struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Identify is what was learned from a picture's bytes (IUpload.identify).
type Identify struct {
	Format string     `json:"format,omitempty"`
	Size   *ImageSize `json:"size,omitempty"`
}

// Upload is the record of an uploaded file (IUpload): a message
// attachment or its thumbnail. The bytes are a blob in the file store
// under Key; the record says what they are and who may read them.
//
// An upload made by rooms.media is temporary (ExpiresAt set, no message)
// until rooms.mediaConfirm sends its message; a temporary upload left
// unconfirmed is removed after ExpiresAt.
type Upload struct {
	ID          string    `json:"_id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Size        int64     `json:"size"`
	Extension   string    `json:"extension,omitempty"`
	TypeGroup   string    `json:"typeGroup,omitempty"`
	Description string    `json:"description,omitempty"`
	RoomID      string    `json:"rid,omitempty"`
	UserID      string    `json:"userId"`
	Store       string    `json:"store"` // "<storage type>:Uploads", as Rocket.Chat
	Key         string    `json:"storageKey"`
	Complete    bool      `json:"complete"`
	Uploading   bool      `json:"uploading"`
	Progress    float64   `json:"progress"`
	ETag        string    `json:"etag,omitempty"`
	Path        string    `json:"path,omitempty"`
	URL         string    `json:"url,omitempty"`
	Identify    *Identify `json:"identify,omitempty"`
	UploadedAt  Time      `json:"uploadedAt"`
	UpdatedAt   Time      `json:"_updatedAt"`
	ExpiresAt   Time      `json:"expiresAt,omitzero"`
	MessageID   string    `json:"message_id,omitempty"`
	// OriginalID is, for a thumbnail, the upload it was made from.
	OriginalID string `json:"originalFileId,omitempty"`
	// ThumbID is, for a picture, its thumbnail's upload; Preview is its
	// blurred preview (image_preview), kept until the message is sent.
	ThumbID string `json:"thumbId,omitempty"`
	Preview string `json:"imagePreview,omitempty"`
}
